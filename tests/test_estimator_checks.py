"""scikit-learn's own estimator checks on the package's estimators, with small budgets."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from distillkit.teacher import MLPTeacher

# checks that cannot apply, with the reason
TEACHER_XFAIL = {
    "check_regressors_train": "two epochs (kept small for speed) do not reach the check's R² > 0.5",
}


@parametrize_with_checks(
    [MLPTeacher(hidden_layer_sizes=(8,), epochs=2, batch_size=32, random_state=0, device="cpu")],
    expected_failed_checks=lambda est: TEACHER_XFAIL)
def test_sklearn_compatible(estimator, check):
    check(estimator)
