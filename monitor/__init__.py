"""monitor: a scheduled Korean news monitor for Korea–US–Japan economic-security cooperation.

The public surface is small: configuration (``monitor.config``), the pipeline (``monitor.pipeline``), the
store (``monitor.store``) and the values that travel between them (``monitor.models``).
"""

__version__ = "0.1.0"
