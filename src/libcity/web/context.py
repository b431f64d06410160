from libcity.staff.selectors import is_staff_member


def staff_flag(request):
    """Lets the layout show the staff link only to staff."""
    user = getattr(request, "user", None)
    return {"is_staff_member": bool(user and user.is_authenticated and is_staff_member(user))}
