"""Scenario files: STS traffic recorded once, replayed offline, faithfully and without secrets.

:mod:`mockfed.scenario.file` is the file (format, checks, writing, redaction);
:mod:`mockfed.scenario.replay` is a scenario in use, the pipeline's answer step.
See ``docs/scenarios.md``.
"""

from mockfed.errors import (
    RECORD_MODES,
    ScenarioAgeWarning,
    ScenarioFormatError,
    ScenarioMismatchError,
    ScenarioSecretError,
    UnusedInteractionsError,
)
from mockfed.scenario.file import Interaction, ScenarioFile, find_secrets, load_scenario_file, timeline
from mockfed.scenario.replay import Replay, Scenario, open_scenario

__all__ = [
    "RECORD_MODES",
    "Interaction",
    "Replay",
    "Scenario",
    "ScenarioAgeWarning",
    "ScenarioFile",
    "ScenarioFormatError",
    "ScenarioMismatchError",
    "ScenarioSecretError",
    "UnusedInteractionsError",
    "find_secrets",
    "load_scenario_file",
    "open_scenario",
    "timeline",
]
