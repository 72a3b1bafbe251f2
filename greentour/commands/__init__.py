"""Use cases called by the CLI, the web app and the worker.

One module per use case. A module here may also plug into the CLI and the demo:

* ``command``: a :class:`click.Command`; ``greentour <name>`` runs it (see greentour/cli.py,
  :data:`greentour.cli.COMMANDS` maps command names to modules here);
* ``demo_step(ctx)``: a step of ``greentour demo`` (see greentour/demo.py);
* a job handler ``handler(ctx)``: listed by kind in :data:`greentour.commands.handlers.HANDLERS`.
"""
