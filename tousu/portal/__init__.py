"""The public portal (SPEC §8, issue 13): complainants submit, follow, rate and ask for review of
their complaints without an account, with the number and the query code."""
