import unittest

from greeter import greet


class GreetTest(unittest.TestCase):
    def test_english_by_default(self):
        self.assertEqual(greet("Ada"), "Hello, Ada!")

    def test_known_language(self):
        self.assertEqual(greet("Ada", "fr"), "Bonjour, Ada!")

    def test_unknown_language_falls_back(self):
        self.assertEqual(greet("Ada", "xx"), "Hello, Ada!")

    def test_blank_name(self):
        self.assertEqual(greet("  "), "Hello, stranger!")


if __name__ == "__main__":
    unittest.main()
