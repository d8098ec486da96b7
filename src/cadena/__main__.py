from cadena.cli.main import app

app()
