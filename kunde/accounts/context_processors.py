def permissions(request):
    """Role answers for templates, so that buttons a user may not use are not shown."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "can_edit_customers": signed_in and user.can_edit_customers,
        "can_edit_company": signed_in and user.can_edit_company,
        "can_manage_finance": signed_in and user.can_manage_finance,
        "can_manage_users": signed_in and user.can_manage_users,
    }
