"""The command line: parse options, make one call into the library, render. Nothing else lives here."""

from postisupport.cli.main import main

__all__ = ["main"]
