"""The one exception type that the CLI turns into a one-line message.

Library code raises LettersError for anything a user can fix (a bad file, a bad
option, a missing device); its text names the problem and the fix.
"""


class LettersError(Exception):
    """A problem with the user's input, reported as one line without a traceback."""
