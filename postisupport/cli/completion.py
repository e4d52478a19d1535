"""`postisupport completion SHELL`: the script that makes the shell complete postisupport's commands.

The script is Typer's own; it calls postisupport back with _POSTISUPPORT_COMPLETE set, which the
app answers before running anything (postisupport.cli.app.LazyGroup).
"""

from enum import StrEnum
from typing import Annotated

import typer

from postisupport.cli.options import command_group, state_of

COMPLETE_VAR = "_POSTISUPPORT_COMPLETE"


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


app = command_group("Print the shell completion script for bash, zsh or fish.")


@app.command("completion")
def completion(
    ctx: typer.Context,
    shell: Annotated[Shell, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")],
) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Load it from the shell's start-up file (bash: ~/.bashrc; zsh: a file _postisupport in a folder
    of $fpath; fish: ~/.config/fish/completions/postisupport.fish); then Tab completes commands
    and options.

    Example: eval "$(postisupport completion bash)"

    Example: postisupport completion zsh > _postisupport

    Example: postisupport completion fish > postisupport.fish
    """
    from typer._completion_shared import get_completion_script

    script = get_completion_script(prog_name="postisupport", complete_var=COMPLETE_VAR, shell=shell.value)
    state_of(ctx).env.stdout.write(script + "\n")
