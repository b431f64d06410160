"""Staff accounts, roles scoped to a subtree of units, API tokens and the scope checks."""
