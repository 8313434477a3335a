"""The machine a benchmark ran on, in words, for the tables' headers."""

import os
import platform
from pathlib import Path


def describe():
    """``"x86_64, <CPU model>, 2 cores"``: the CPU model matters, since the
    same code and the same wheels run at different relative speeds on
    different processors."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    parts = [platform.machine(), model or platform.processor()]
    return ", ".join(filter(None, parts)) + f", {os.cpu_count()} cores"
