from postisupport.cli import main

main()
