"""Live feeds over real loopback sockets: TCP with reconnects, UDP datagrams of several lines."""

from __future__ import annotations

import asyncio
import socket

from detente.deconflict.ingest import MAX_LINE_CHARS, StateDecoder
from detente.deconflict.stream import Backoff, LineSplitter, TcpTrackClient, UdpTrackListener
from detente.deconflict.track import TrackState

SENTENCES = [
    "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A",
    "!AIVDM,1,1,,A,16SteH0P00Jt63hHaa6SagvJ087r,0*42",
    "!AIVDM,1,1,,B,25Cjtd0Oj;Jp7ilG7=UkKBoB0<06,0*60",
]
TIMEOUT_S = 10.0


def test_line_splitter_bounds_lines_and_joins_chunks() -> None:
    splitter = LineSplitter(max_line_bytes=10)
    assert splitter.feed(b"abc") == []
    assert splitter.feed(b"def\nxy") == [b"abcdef"]
    assert splitter.feed(b"z" * 20) == [None]
    assert splitter.feed(b"zzz\nok\n") == [b"ok"]
    assert splitter.feed(b"tail") == []
    assert splitter.flush() == b"tail"


def test_tcp_client_reads_lines_and_reconnects_after_the_server_closes() -> None:
    async def scenario() -> tuple[list[TrackState], TcpTrackClient]:
        connections = 0

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal connections
            connections += 1
            if connections == 1:
                # Split one sentence across writes, then add garbage and an overlong line.
                first = SENTENCES[0].encode()
                writer.write(first[:20])
                await writer.drain()
                writer.write(
                    first[20:] + b"\r\n" + b"garbage\n" + b"!" * (MAX_LINE_CHARS * 5) + b"\n"
                )
            else:
                writer.write(("\n".join(SENTENCES[1:]) + "\n").encode())
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        received: list[TrackState] = []
        stop = asyncio.Event()

        async def on_states(states: list[TrackState]) -> None:
            received.extend(states)
            if len(received) >= 3:
                stop.set()

        client = TcpTrackClient(
            "127.0.0.1",
            port,
            StateDecoder("ais"),
            on_states,
            backoff=Backoff(0.01, 0.05),
            clock=lambda: 42.0,
        )
        async with server:
            await asyncio.wait_for(client.run(stop), TIMEOUT_S)
        return received, client

    received, client = asyncio.run(scenario())
    assert [s.track for s in received] == ["mmsi:371798000", "mmsi:440348000", "mmsi:356302000"]
    assert {s.t for s in received} == {42.0}
    assert client.connections >= 2
    assert client.decoder.malformed_count == 2  # the garbage line and the overlong one


def test_tcp_client_keeps_retrying_while_nothing_listens() -> None:
    async def scenario() -> TcpTrackClient:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]  # closed again: nothing listens here
        stop = asyncio.Event()
        client = TcpTrackClient(
            "127.0.0.1", port, StateDecoder("ais"), lambda s: None, backoff=Backoff(0.01, 0.02)
        )
        task = asyncio.create_task(client.run(stop))
        while client.failures < 3:
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, TIMEOUT_S)
        return client

    client = asyncio.run(asyncio.wait_for(scenario(), TIMEOUT_S))
    assert client.failures >= 3 and client.connections == 0


def test_udp_listener_decodes_several_sentences_per_datagram() -> None:
    async def scenario() -> tuple[list[list[TrackState]], UdpTrackListener]:
        batches: list[list[TrackState]] = []
        stop = asyncio.Event()

        def on_states(states: list[TrackState]) -> None:
            batches.append(states)
            if sum(len(b) for b in batches) >= 3:
                stop.set()

        listener = UdpTrackListener("127.0.0.1", 0, StateDecoder(), on_states, clock=lambda: 7.0)
        task = asyncio.create_task(listener.run(stop))
        await asyncio.wait_for(listener.ready.wait(), TIMEOUT_S)
        assert listener.bound_port is not None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b"not a sentence\r\n", ("127.0.0.1", listener.bound_port))
            sender.sendto("\r\n".join(SENTENCES[:2]).encode(), ("127.0.0.1", listener.bound_port))
            sender.sendto(SENTENCES[2].encode() + b"\n", ("127.0.0.1", listener.bound_port))
            await asyncio.wait_for(task, TIMEOUT_S)
        return batches, listener

    batches, listener = asyncio.run(scenario())
    assert [len(b) for b in batches] == [2, 1]
    assert listener.datagrams == 3
    assert listener.decoder.malformed_count == 1
    assert listener.decoder.fmt == "ais"  # recognised from the first line that said something


def test_backoff_doubles_up_to_its_cap_with_jitter_and_resets() -> None:
    backoff = Backoff(min_s=1.0, max_s=5.0)
    backoff.reset()
    delays = [backoff.next_s() for _ in range(6)]
    for delay, ceiling in zip(delays, [1.0, 2.0, 4.0, 5.0, 5.0, 5.0], strict=True):
        assert ceiling / 2 <= delay <= ceiling
    backoff.reset()
    assert backoff.next_s() <= 1.0
