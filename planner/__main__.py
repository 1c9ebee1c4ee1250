"""``python -m planner``: the same as the ``planner`` command."""

try:
    from planner.cli import main
except KeyboardInterrupt:  # Ctrl-C while starting up: as clean as during a command
    import sys

    sys.stderr.write("interrupted: planner stopped by Ctrl-C\n")
    raise SystemExit(130) from None

main()
