"""Secrets in a company's YAML are references to environment variables, never values.

``client_secret: "{{ env.ACME_INTACCT_CLIENT_SECRET }}"`` is kept as the variable's name and handed to the
resources as ``dg.EnvVar``: the value is read when a run starts, so it is never part of the definitions, the run
configuration, the UI or ``dg check`` output. A literal value is refused when the YAML loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import dagster as dg

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_REFERENCE = re.compile(rf"""^\s*\{{\{{\s*env(?:\.({_NAME})|\(\s*['"]({_NAME})['"]\s*\))\s*}}}}\s*$""")


class LiteralSecretError(ValueError):
    """A secret was written into the YAML itself."""


@dataclass(frozen=True)
class SecretReference:
    variable: str  # the environment variable holding the secret

    def env_var(self) -> dg.EnvVar:
        return dg.EnvVar(self.variable)


def secret_reference(context: dg.ResolutionContext, value: object) -> SecretReference | None:
    """The variable named by ``{{ env.NAME }}`` (or ``{{ env("NAME") }}``); a literal secret is an error that says
    where it is and what to write instead. The error never repeats the value."""
    if value is None:
        return None
    match = _REFERENCE.match(value) if isinstance(value, str) else None
    if match is None:
        where = ".".join(str(part) for part in context.path) or "a secret field"
        raise LiteralSecretError(
            f"{where} holds a literal value: secrets never go into YAML. Put the secret in an environment variable "
            f"(or .env) and write a reference to it, e.g. {where.rpartition('.')[2]}: "
            f'"{{{{ env.ACME_{where.rpartition(".")[2].upper()} }}}}"'
        )
    return SecretReference(match[1] or match[2])
