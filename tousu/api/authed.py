"""The request a route receives: ``BearerToken`` has let it through and ninja has set ``auth``."""

from django.http import HttpRequest

from tousu.accounts.models import User


class AuthedRequest(HttpRequest):
    """An ``HttpRequest`` whose ``auth`` is the token's user. Every route of the API requires the
    token (``NinjaAPI(auth=BearerToken())``), and ninja sets ``auth`` to what
    ``BearerToken.authenticate`` returned before it calls the route. For annotations only: ninja
    passes its ordinary request, and finds the parameter by its name."""

    auth: User
