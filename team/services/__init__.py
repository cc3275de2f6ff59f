"""The actions of My Team that change state, one module per feature; each action is one
transaction."""
