"""Students: symbolic regressors (gplearn, Operon) and tree / boosting baselines."""
from distillkit.students._students import *  # noqa: F401,F403
from distillkit.students._students import __all__  # noqa: F401
