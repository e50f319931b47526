import sys

from desktop_app.bench import main

sys.exit(main())
