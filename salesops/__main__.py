from salesops.cli import main

main()
