"""`postisupport auth ...`: credentials in the OS keyring, per profile."""


from typing import Annotated, Any

import typer

from postisupport.cli.options import ConnectionOptions, State, command_group, state_of

app = command_group("Credentials for the identity API, kept in the OS keyring.\n\n"
                  "Example: postisupport auth login --profile work --api https://idp.example.com/scim/v2 "
                  "--with-token < token.txt")

ProfileOption = Annotated[str | None, typer.Option(
    "--profile", metavar="NAME", show_default=False,
    help="The profile (default: the config file's default profile, else \"default\").")]


@app.command("login")
def login(
    ctx: typer.Context,
    api: Annotated[str, typer.Option("--api", metavar="URL", help="SCIM base URL of the identity API, or "
                                     "ldaps://HOST[:PORT] of an LDAP directory.")],
    profile: ProfileOption = None,
    with_token: Annotated[bool, typer.Option(
        "--with-token", help="Read a bearer token from stdin (a hidden prompt on a terminal).")] = False,
    with_client_secret: Annotated[bool, typer.Option(
        "--with-client-secret",
        help="OAuth2 client credentials: read the client secret from stdin.")] = False,
    token_url: Annotated[str | None, typer.Option(
        "--token-url", metavar="URL", show_default=False, help="OAuth2 token endpoint.")] = None,
    client_id: Annotated[str | None, typer.Option(
        "--client-id", metavar="ID", show_default=False, help="OAuth2 client id.")] = None,
    scope: Annotated[str | None, typer.Option(
        "--scope", metavar="SCOPE", show_default=False, help="OAuth2 scope to ask for.")] = None,
    bind_dn: Annotated[str | None, typer.Option(
        "--bind-dn", metavar="DN", show_default=False,
        help="An LDAP directory's read-only service account.")] = None,
    with_password: Annotated[bool, typer.Option(
        "--with-password", help="LDAP: read the service account's password from stdin.")] = False,
    allow_insecure_http: Annotated[bool, typer.Option(
        "--allow-insecure-http",
        help="Allow plain-http URLs beyond this machine (test servers only).")] = False,
    make_default: Annotated[bool, typer.Option(
        "--default", help="Make this the default profile.")] = False,
    no_check: Annotated[bool, typer.Option(
        "--no-check", help="Store the secret without trying it against the API first.")] = False,
) -> None:
    """Store a profile's secret in the keyring and its settings in the config file.

    The secret is read from stdin, never from the command line. It is first tried against the API
    (as auth status does; --no-check to skip), and is kept for the profile's API and token endpoint
    only: a profile edited to name other ones gets no secret until auth login is run again.

    Example: postisupport auth login --profile work --api https://idp.example.com/scim/v2 --with-token
    < token.txt

    Example: postisupport --mapping openldap auth login --profile dir --api ldaps://ldap.example.fi
    --bind-dn cn=reader,ou=service,dc=example,dc=fi --with-password < password.txt
    """
    from postisupport.config.settings import transport_only
    from postisupport.ops.auth import LoginOptions
    from postisupport.ops.auth import login as run

    state = state_of(ctx)
    if [with_token, with_client_secret, with_password].count(True) != 1:
        raise typer.BadParameter("give exactly one of --with-token, --with-client-secret and --with-password",
                                 param_hint="'--with-token'")
    if with_password != bool(bind_dn):
        raise typer.BadParameter("an LDAP service account is --bind-dn DN with --with-password",
                                 param_hint="'--with-password'" if bind_dn else "'--bind-dn'")
    if with_client_secret and not (token_url and client_id):
        raise typer.BadParameter("OAuth2 client credentials need --token-url and --client-id",
                                 param_hint="'--with-client-secret'")
    if with_token and (token_url or client_id or scope):
        raise typer.BadParameter("a bearer token takes no --token-url, --client-id or --scope",
                                 param_hint="'--with-token'")
    name = _profile(state, profile, api)
    prompt = "Client secret: " if with_client_secret else "Password: " if with_password else "Token: "
    secret = _read_secret(state, prompt)
    options = LoginOptions(name, api, secret, token_url, client_id, scope, allow_insecure_http, make_default,
                           bind_dn, state.connection.mapping, state.connection.starttls)
    check = None if no_check else transport_only(state.connection.flags(), state.env.environ)
    config = run(state.config_path(), options, check)
    checked = "not checked" if no_check else "the directory accepts it" if bind_dn else "the API accepts it"
    state.env.say(f"profile {name} saved in {config.path}; its secret is in the keyring ({checked})")
    if config.rewritten:
        state.env.say(f"postisupport: warning: {config.path} is laid out in a way that can't be edited in "
                      "place (dotted keys or inline tables), so it was written anew: every setting is kept, "
                      "its comments are not")


@app.command("status")
def status(
    ctx: typer.Context,
    profile: ProfileOption = None,
    json: Annotated[bool, typer.Option(
        "--json", help="As one JSON object on stdout (the secret only as set or not).")] = False,
) -> None:
    """Show the profile, URL, kind of credentials, where the secret comes from, and whether the API
    accepts it (exit 3 if not).

    Example: postisupport auth status --profile work
    """
    from postisupport.cli.main import ENVIRONMENT_VARIABLES
    from postisupport.ops.auth import status as run

    state = state_of(ctx)
    result = run(state.settings(ConnectionOptions(profile=profile)))
    origin = result.secret_origin
    if json:
        from postisupport.output.document import dumps

        document: dict[str, Any] = {"profile": result.profile, "api_url": result.api_url, "auth": result.auth,
                    "secret": {"name": result.secret, "set": origin != "none",
                               "origin": None if origin == "none" else origin,
                               "variable": ENVIRONMENT_VARIABLES.get(result.secret)
                               if origin == "environment" else None},
                    "accepted": None if result.unreached or result.unset else result.refused is None}
        if result.auth == "bind":
            document["bind_dn"] = result.bind_dn
            document["rights"] = [result.blind.reason] if result.blind else list(result.rights)
        print(dumps(document), file=state.env.stdout)
        if result.refused or result.unreached or result.unset or result.blind:
            raise result.refused or result.unreached or result.unset or result.blind  # type: ignore[misc]
        return
    if origin == "environment":
        origin = f"environment ({ENVIRONMENT_VARIABLES[result.secret]})"
    lines = {
        "profile": result.profile or "(none)",
        "api": result.api_url or "(none)",
        "auth": result.auth,
        **({"bind dn": result.bind_dn or "(none)"} if result.auth == "bind" else {}),
        result.secret.replace("_", " "): origin,
        "accepted": "not known: not reached" if result.unreached else "not known: not tried, a setting is "
        "missing" if result.unset else "no" if result.refused else "yes",
    }
    if result.blind is not None:
        lines["reads"] = "nothing a look-up needs"
    elif result.auth == "bind" and not (result.refused or result.unreached or result.unset):
        lines["reads"] = "what a look-up needs" if not result.rights else result.rights[0]
    for key, value in lines.items():
        print(f"{key:14} {value}", file=state.env.stdout)
    for more in result.rights[1:]:
        print(f"{'':14} {more}", file=state.env.stdout)
    if result.refused or result.unreached or result.unset or result.blind:
        raise result.refused or result.unreached or result.unset or result.blind  # type: ignore[misc]


@app.command("logout")
def logout(ctx: typer.Context, profile: ProfileOption = None) -> None:
    """Remove the profile's secret from the keyring (the profile's settings stay).

    Example: postisupport auth logout --profile work
    """
    from postisupport.ops.auth import logout as run

    state = state_of(ctx)
    name = _profile(state, profile, None)
    removed = run(name)
    state.env.say(f"profile {name}: " + (f"removed its {' and '.join(k.replace('_', ' ') for k in removed)} "
                                         "from the keyring" if removed else "no secret was stored"))
    from postisupport.config.names import ENVIRONMENT_VARIABLES

    variable = ENVIRONMENT_VARIABLES["token"]
    if state.env.environ.get(variable):
        # Logged out of the keyring is not logged out: the variable still authenticates every command.
        state.env.say(f"postisupport: warning: {variable} is set in this environment and is still used; "
                      f"unset it to stop")


def _profile(state: State, given: str | None, api: str | None) -> str:
    """The profile a login or logout is for: as given here or globally (they must agree), else the default."""
    from postisupport.cli.options import merged
    from postisupport.config import profiles
    from postisupport.config.settings import DEFAULT_PROFILE

    chosen = merged(state.connection, ConnectionOptions(profile=given, api=api))
    if chosen.profile:
        return chosen.profile
    config = profiles.load(state.config_path())
    return config.default_profile or DEFAULT_PROFILE


MAX_SECRET = 16_000  # far above any real token; a bound on what `< /dev/zero` costs


def _read_secret(state: State, prompt: str) -> str:
    """From a hidden prompt on a terminal, else stdin (a pipe from a secret store); "" when closed."""
    import getpass

    stdin = state.env.stdin
    if stdin is None or stdin.closed:
        return ""
    if stdin.isatty():
        return getpass.getpass(prompt)
    secret = stdin.read(MAX_SECRET + 1)
    if len(secret) > MAX_SECRET:
        raise typer.BadParameter(f"the secret on stdin is longer than {MAX_SECRET} characters",
                                 param_hint="stdin")
    return secret
