"""The situation picture: supply against demand per region, skill, product and week."""
