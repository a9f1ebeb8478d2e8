"""``python -m intacct_assets.sandbox`` = the ``intacct-sandbox`` command."""

from intacct_assets.sandbox.cli import main

main()
