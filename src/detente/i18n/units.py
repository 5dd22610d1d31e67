"""Quantities written the way a watch officer or a pilot reads them, per language.

English follows maritime and ICAO radio practice (``045°``, ``2 NM``,
``12 kn``, ``FL350``, ``3,000 ft (914 m)``, ``0930Z``). Chinese follows PLA
Navy / China Coast Guard and CAAC practice: no space between number and
unit (``2海里``, ``12节``), metres first for altitudes because Chinese airspace
is metric (``914米（3,000英尺）``), full-width brackets, times as ``世界时``
(UTC) with Beijing time named ``北京时间``.

Altitude rule, for both altitude kinds: English shows feet first and metres
in brackets; Chinese shows metres first and feet in brackets. The value the
operator entered is always shown exactly; the other unit is a rounded
conversion.

This module only formats values that were already validated; it must never
validate, parse or read the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final
from zoneinfo import ZoneInfo

FT_PER_M: Final = 1 / 0.3048
M_PER_FT: Final = 0.3048

_MONTHS_EN: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)

# Zones with a name a Chinese reader expects; others are shown as "当地时间（zone）".
_ZONE_NAMES_ZH: Final = {
    "Asia/Shanghai": "北京时间",
    "Asia/Chongqing": "北京时间",
    "Asia/Harbin": "北京时间",
    "PRC": "北京时间",
    "Asia/Tokyo": "东京时间",
    "Asia/Seoul": "首尔时间",
    "Asia/Manila": "马尼拉时间",
    "Asia/Singapore": "新加坡时间",
    "Pacific/Guam": "关岛时间",
    "Pacific/Honolulu": "夏威夷时间",
    "America/New_York": "美国东部时间",
    "America/Los_Angeles": "美国太平洋时间",
    "Europe/London": "伦敦时间",
}


def number(value: float, decimals: int = 0) -> str:
    """Digits with thousands separators and at most ``decimals`` places, trailing zeros dropped."""
    text = f"{value:,.{decimals}f}"
    if decimals and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def degrees(value_deg: int) -> str:
    """Three digits and a degree sign, as bearings and courses are always spoken."""
    return f"{value_deg:03d}°"


def bearing(value_deg: int, lang: str) -> str:
    return degrees(value_deg) if lang == "en" else f"方位{degrees(value_deg)}"


def distance_nm(value_nm: float, lang: str) -> str:
    return f"{number(value_nm, 1)} NM" if lang == "en" else f"{number(value_nm, 1)}海里"


def speed_kn(value_kn: float, lang: str) -> str:
    return f"{number(value_kn, 1)} kn" if lang == "en" else f"{number(value_kn, 1)}节"


def altitude_ft(value_ft: int, lang: str) -> str:
    alt_m = round(value_ft * M_PER_FT)
    if lang == "en":
        return f"{number(value_ft)} ft ({number(alt_m)} m)"
    return f"{number(alt_m)}米（{number(value_ft)}英尺）"


def altitude_m(value_m: int, lang: str) -> str:
    alt_ft = round(value_m * FT_PER_M)
    if lang == "en":
        return f"{number(alt_ft)} ft ({number(value_m)} m)"
    return f"{number(value_m)}米（{number(alt_ft)}英尺）"


def flight_level(level: int, lang: str) -> str:
    """``FL350``; Chinese adds the metric height since CAAC levels are metric."""
    name = f"FL{level:03d}"
    if lang == "en":
        return name
    return f"飞行高度层{name}（{number(round(level * 100 * M_PER_FT))}米）"


def frequency_mhz(value_mhz: float, lang: str) -> str:
    return f"{number(value_mhz, 3)} MHz" if lang == "en" else f"{number(value_mhz, 3)}兆赫"


def duration_min(minutes: int, lang: str) -> str:
    hours, rest = divmod(minutes, 60)
    if lang == "en":
        parts = []
        if hours:
            parts.append(f"{hours} hour" + ("s" if hours != 1 else ""))
        if rest:
            parts.append(f"{rest} minute" + ("s" if rest != 1 else ""))
        return " ".join(parts)
    return (f"{hours}小时" if hours else "") + (f"{rest}分钟" if rest else "")


def time_utc(moment: datetime, lang: str, local_tz: str | None = None) -> str:
    """UTC first (the channel's common clock), then the channel's local time if it has one."""
    utc = moment.astimezone(UTC)
    local = utc.astimezone(ZoneInfo(local_tz)) if local_tz else None
    if lang == "en":
        text = f"{utc:%H%M}Z {utc.day} {_MONTHS_EN[utc.month - 1]} {utc.year}"
        if local is not None:
            day = (
                "" if local.date() == utc.date() else f" {local.day} {_MONTHS_EN[local.month - 1]}"
            )
            text += f" ({local:%H:%M}{day} {local_tz})"
        return text
    text = f"世界时{utc.year}年{utc.month}月{utc.day}日{utc:%H:%M}"
    if local is not None and local_tz is not None:
        day = "" if local.date() == utc.date() else f"{local.month}月{local.day}日"
        zone = _ZONE_NAMES_ZH.get(local_tz)
        text += (
            f"（{zone}{day}{local:%H:%M}）"
            if zone
            else f"（当地时间{day}{local:%H:%M}，{local_tz}）"
        )
    return text
