from functools import wraps

from django.core.exceptions import PermissionDenied


def role_required(permission: str):
    """Refuse the view with 403 unless the user's role grants `permission` (a User property)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not getattr(request.user, permission, False):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
