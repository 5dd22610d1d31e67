"""Languages: standard phrases, units, glossary, UI strings and translation annotations.

Misread free text escalates; standard phrases do not. A phrase travels as a
code and typed parameters (``phrases.PhraseBody``) and each reader's node
renders it in its own language (``render.render``), with units written that
language's way (``units``). Free text keeps its original; the glossary marks
its terms of art (``glossary.highlight``) and any translation is a separate,
unofficial annotation (``translator``). Interface text goes through gettext
catalogues (``ui.gettext_for``).

Modules: ``params`` (parameter kinds), ``phrases`` (catalogue, validation,
body), ``render``, ``units``, ``glossary``, ``ui``, ``translator``,
``kinds`` (the bodies this package adds to the node's registry).

This package is a pure building block: no I/O beyond reading its own data
files, no network, no clock.
"""
