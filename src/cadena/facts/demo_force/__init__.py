"""The demo's force structure: a fictional country's police and army, as a researchers' sheet."""
