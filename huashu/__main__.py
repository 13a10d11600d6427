from huashu.cli import main

main()
