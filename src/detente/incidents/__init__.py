"""Incidents: shared de-escalation cases both parties work through on the record.

``bodies`` holds the entry bodies (open, assessment, close, endorse);
``levels`` the escalation scale 1-5 with its written meanings; ``state`` the
pure state machine folding both logs into incident views; ``opening`` the
event key and the opening body from an alert; ``playbook`` the
de-escalation steps as validated data files (``playbooks/*.yaml``) and
``progress`` where a side stands in one; ``geometry``, ``report`` and
``stats`` what is drawn, written and counted after the fact. Nothing here
reads a clock or a database: times and entries are handed in (the node
integration is ``detente.node.incidents``).
"""
