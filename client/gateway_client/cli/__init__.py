"""The ``gateway`` command (``main``): a platform's pushes and uploads, a subscriber's
``listen`` and ``verify-log``, checks, and the operator's commands, one module each."""
