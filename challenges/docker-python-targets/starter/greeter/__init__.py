"""greeter: a tiny HTTP service that says hello in a few languages."""

GREETINGS = {"en": "Hello", "de": "Hallo", "fr": "Bonjour", "es": "Hola", "nl": "Hallo"}


def greet(name: str, language: str = "en") -> str:
    """Returns the greeting for `name`; unknown languages fall back to English."""
    word = GREETINGS.get(language.lower(), GREETINGS["en"])
    clean = name.strip() or "stranger"
    return f"{word}, {clean}!"
