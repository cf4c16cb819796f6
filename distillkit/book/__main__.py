import sys

from distillkit.book.build import main

sys.exit(main())
