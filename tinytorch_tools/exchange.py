"""`nbgrader collect` with a hand-in time the student cannot set.

`nbgrader submit` writes the time into the submission (`timestamp.txt` and the inbound folder's
name) from the student's own clock and settings (`--Exchange.timestamp_format=...` writes any
text), and stock `collect` keeps it. The rule here: a submission counts as handed in at the time it
claims only when that is no earlier than the kernel-kept change time (ctime) of its inbound
`timestamp.txt`, less CLOCK_SLACK; otherwise it is flagged in the log and counts at that change
time. The change time is set by the OS kernel when `submit` writes the file and only moves
forward (a rewrite, a rename or a link sets it to now), so no student can make it earlier.
`nbgrader_config.py` makes this the collect plugin of the file-system exchange.
"""

import datetime
import os

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import parse_utc

from tinytorch_tools.submission_files import small_regular_file

CLOCK_SLACK = datetime.timedelta(minutes=2)  # between submit's clock reading and its writing the file


class CollectAtTrustedTime(ExchangeCollect):
    """nbgrader's file-system collect; each submission's time is the trusted one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.counted = {}  # {inbound folder: the time it counts as handed in}

    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        record["timestamp"] = self.handed_in_at(path, record)
        return record

    def handed_in_at(self, path, record):
        """The time the submission at `path` counts as handed in (see the module's rule), noted
        for `do_copy`."""
        changed = change_time(path)
        claimed = claimed_time(path) or record["timestamp"]
        counted = claimed
        if claimed < changed - CLOCK_SLACK:
            message = "%s claims it was handed in at %s, but it was written at %s: that time counts"
            self.log.warning(message, ascii(record["filename"]), claimed, changed)
            counted = changed
        self.counted[os.path.normpath(path)] = counted
        return counted

    def do_copy(self, src, dest, log=None):
        """Stock copy, then the trusted time in the collected timestamp.txt (the one autograde reads)."""
        super().do_copy(src, dest, log)
        counted = self.counted[os.path.normpath(src)]
        with open(os.path.join(dest, "timestamp.txt"), "w") as file:
            file.write(counted.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))


def change_time(path):
    """The kernel-kept change time of the submission's timestamp.txt (of its folder when it has
    none), in UTC without a time zone, as nbgrader's parse_utc gives times."""
    stamp = os.path.join(path, "timestamp.txt")
    changed = os.lstat(stamp if os.path.lexists(stamp) else path).st_ctime
    return datetime.datetime.fromtimestamp(changed, datetime.UTC).replace(tzinfo=None)


def claimed_time(path):
    """The time the submission's timestamp.txt claims, if it is a readable one."""
    try:
        return parse_utc(small_regular_file(os.path.join(path, "timestamp.txt")).strip())
    except (OSError, ValueError, OverflowError):
        return None
