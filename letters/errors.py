"""The exceptions that the CLI turns into a one-line message.

Library code raises LettersError for anything a user can fix (a bad file, a bad
option, a missing device); its text names the problem and the fix. A bad setting
raises OptionError, which names the setting by its field name (`val_fraction`);
the CLI shows it as the flag (`--val-fraction`), so library messages name no flags.
"""


class LettersError(Exception):
    """A problem with the user's input, reported as one line without a traceback."""


class OptionError(LettersError):
    """A bad value for one setting: `option` is its config field name, `problem` the rest of the line."""

    def __init__(self, option: str, problem: str):
        super().__init__(f"{option} {problem}")
        self.option, self.problem = option, problem

    def as_flag(self) -> str:
        """The same line naming the command-line flag."""
        return f"--{self.option.replace('_', '-')} {self.problem}"
