from bubblescope._cli.app import main

main()
