"""scikit-learn's own estimator checks on the package's estimators, with small budgets."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from distillkit.students import OperonStudent, SymbolicStudent, TreeStudent
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


#: per student class, the checks it cannot pass and why (strict: one that starts passing fails
#: the test, so the list stays true)
STUDENT_XFAIL = {
    "SymbolicStudent": {
        "check_regressors_train": "the literal reading stops once the best program reaches R² 0.01, "
                                  "in generation 0 or 1, so the check's R² > 0.5 is out of reach (by "
                                  "design: it is the paper's stopping rule)",
    },
}
# Budgets small enough for the whole file to run in well under a minute. Neither symbolic
# student is multi-output (a formula has one value) and neither takes sparse input, NaN or
# sample weights: their tags say so (scikit-learn's defaults), so those checks test that each
# refuses such input with scikit-learn's errors.
STUDENTS = [
    SymbolicStudent(population_size=20, generations=2, random_state=0),
    OperonStudent(max_evaluations=500, population_size=50, max_length=10, optimizer_iterations=1,
                  random_state=0),
    TreeStudent(max_leaf_nodes=8),
]


@parametrize_with_checks(
    STUDENTS, expected_failed_checks=lambda est: STUDENT_XFAIL.get(type(est).__name__, {}),
    xfail_strict=True)
def test_students_sklearn_compatible(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------------
# DistilledRegressor (issue 19): the whole tool as one estimator, at small budgets
# ---------------------------------------------------------------------------
def _distilled():
    from distillkit.owndata import DistilledRegressor
    return DistilledRegressor(lams=(0.0, 0.1), cv=2, budget=400, population_size=30, teacher_steps=30,
                              hidden_layer_sizes=(8,), device="cpu", random_state=0)


#: checks DistilledRegressor cannot pass, and why (strict: one that starts passing fails the test)
DISTILLED_XFAIL = {}


@parametrize_with_checks([_distilled()], expected_failed_checks=lambda est: DISTILLED_XFAIL, xfail_strict=True)
def test_distilled_regressor_sklearn_compatible(estimator, check):
    check(estimator)
