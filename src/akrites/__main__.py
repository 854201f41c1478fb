from akrites.cli import main

raise SystemExit(main())
