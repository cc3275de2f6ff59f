from .models import User


def user_by_email(email: str | None) -> User | None:
    if not email:
        return None
    return User.objects.filter(email=User.objects.normalize_email(email)).first()
