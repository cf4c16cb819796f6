"""Budget settings: typed --set values, stated upper bounds, seeds, λ grids, memory and time
estimates (distillkit.experiments.settings). From tests/test_hardening.py (issue 12) and issue 22."""
import pytest

from distillkit.experiments.settings import (SCHEMA, SettingError, check_setting, coerce_setting, parse_overrides)


# ---------------------------------------------------------------- --set values
@pytest.mark.parametrize("text", ["False", "false", "no", "0", "off"])
def test_set_false_words_are_false(text):
    assert coerce_setting("baselines", text) is False
    assert coerce_setting("scale_target", text) is False


@pytest.mark.parametrize("text", ["True", "yes", "1", "on"])
def test_set_true_words_are_true(text):
    assert coerce_setting("baselines", text) is True


@pytest.mark.parametrize("pair", ["baselines=maybe", "epochs=abc", "epochs=0", "epochs=2.5",
                                  "device=foo", "test_size=1", "learning_rate=nan",
                                  "hidden_layer_sizes=abc", "function_set=", "noequals"])
def test_bad_set_value_names_the_setting(pair):
    with pytest.raises(SettingError) as err:
        parse_overrides([pair])
    key = pair.split("=")[0]
    assert key in str(err.value) and "\n" not in str(err.value)


def test_set_values_are_typed():
    got = parse_overrides(["epochs=1e2", "hidden_layer_sizes=100,50", "function_set=add,mul",
                           "device=cuda:1", "learning_rate=0.01"])
    assert got == {"epochs": 100, "hidden_layer_sizes": (100, 50), "function_set": ("add", "mul"),
                   "device": "cuda:1", "learning_rate": 0.01}


def test_scale_target_is_a_bool_or_a_number_above_zero():
    # chapter 08's second target arm is scale_target=2.0 (centred y with sd 2)
    assert check_setting("scale_target", 2.0) == 2.0 and check_setting("scale_target", True) is True
    assert coerce_setting("scale_target", "2") == 2.0 and coerce_setting("scale_target", "0.5") == 0.5
    assert coerce_setting("scale_target", "yes") is True and coerce_setting("scale_target", "1") is True
    assert check_setting("scale_target", 2.0, default=True) == 2.0  # a bool default does not narrow it
    assert coerce_setting("scale_target", "0") is False  # 0 is false, as for every bool setting
    for bad in ("-2", "nan", "inf", "big"):
        with pytest.raises(SettingError, match="scale_target expects true, false or a number > 0"):
            coerce_setting("scale_target", bad)


def test_key_without_schema_follows_its_default_or_old_json_reading():
    # a BASE_CONFIG key someone adds without a schema entry is typed after its default ...
    assert check_setting("new_flag", "no", default=True) is False
    assert check_setting("new_count", "7", default=3) == 7
    with pytest.raises(SettingError):
        check_setting("new_count", "many", default=3)
    # ... and a schema key whose default changed type follows the default
    assert check_setting("scale_target", "log", default="standard") == "log"
    # with no default at all, the old reading: JSON, else text
    assert coerce_setting("whatever", '{"a": 1}') == {"a": 1}
    assert coerce_setting("whatever", "text") == "text"


def test_schema_matches_base_config():
    from distillkit.experiments.pipeline import BASE_CONFIG, PROFILES, resolve_config
    from distillkit.experiments.settings import PROFILE_NAMES, SR_READING_NAMES
    from distillkit.vocab import SR_READINGS

    assert set(SCHEMA) <= set(BASE_CONFIG), set(SCHEMA) - set(BASE_CONFIG)
    for key, default in BASE_CONFIG.items():  # every default passes its own check
        assert check_setting(key, default, default=default) == (
            tuple(default) if isinstance(default, list) else default), key
    assert set(PROFILE_NAMES) == set(PROFILES)
    assert set(SR_READING_NAMES) == set(SR_READINGS)
    cfg = resolve_config("smoke", baselines="False", epochs="5", hidden_layer_sizes="8,4")
    assert cfg["baselines"] is False and cfg["epochs"] == 5 and cfg["hidden_layer_sizes"] == (8, 4)
    with pytest.raises(ValueError, match="device"):
        resolve_config("smoke", device="foo")


def test_unavailable_gpu_fails_at_configuration():
    import torch

    from distillkit.experiments.pipeline import resolve_config
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(ValueError, match="not available"):
        resolve_config("smoke", device="cuda")




# ---------------------------------------------------------------- a whole run, before it trains (issue 22)
from distillkit.experiments.settings import (MAX_LAM, check_budget, check_lams, check_seed, estimate_run,
                                             max_seed)


@pytest.mark.parametrize("pair", ["epochs=100000000", "epochs=1000000000", "learning_rate=1e6",
                                  "hidden_layer_sizes=100,1000000", "generations=1e9",
                                  "operon_evaluations=1e12", "population_size=1e9"])
def test_budgets_above_their_stated_bound_are_refused(pair):
    key = pair.split("=")[0]
    with pytest.raises(SettingError, match=rf"setting {key} expects .* in [\[(]"):
        parse_overrides([pair])


def test_seed_range_fits_every_library():
    from distillkit.experiments import pipeline
    assert (pipeline.SR_SEED_BASE, pipeline.SR_DRAW_STRIDE) == (42, 10_000)  # mirrored in settings
    top = max_seed()
    assert top + 42 == 2**32 - 1 and check_seed(top) == top
    import numpy as np
    from sklearn.utils import check_random_state
    check_random_state(top + 42)  # the student's seed, the largest numpy/gplearn accept
    np.random.RandomState(top)
    for bad in (top + 1, 2**32, -1, 1.5, True, "3"):
        with pytest.raises(SettingError, match="seed"):
            check_seed(bad)
    assert max_seed(draws=3) == top - 20_000


def test_lam_grid_bounds():
    assert check_lams([0.5, 0, 0.5, 1e-3]) == [0.0, 1e-3, 0.5]
    assert check_lams([MAX_LAM]) == [MAX_LAM]
    for bad in ([0, 1e300], [float("nan")], [-1], [], ["x"], [True]):
        with pytest.raises(SettingError, match="lams"):
            check_lams(bad)


def _config(**kw):
    from distillkit.experiments.pipeline import resolve_config
    return resolve_config("paper", **kw)


def test_batch_size_is_capped_at_the_rows_in_the_estimate():
    small = estimate_run(_config(batch_size=1_000_000_000), n_train=96, n_features=2, n_teachers=6)
    same = estimate_run(_config(batch_size=96), n_train=96, n_features=2, n_teachers=6)
    assert small.batch_size == 96 and small == same
    assert small.bytes < 50 * 2**20


def test_memory_above_what_the_machine_has_is_refused_with_the_estimate():
    config = _config(hidden_layer_sizes=(100_000, 100_000))
    with pytest.raises(SettingError, match=r"needs about \d+\.\d GiB of memory .* 1\.0 GiB are available"):
        check_budget(config, 96, 2, n_teachers=6, available=2**30)
    check_budget(_config(), 96, 2, n_teachers=6, available=2**30)  # the paper's budget fits in 1 GiB


def test_runs_past_an_hour_are_refused_and_the_paper_budget_is_not():
    est = check_budget(_config(), 16_512, 8, n_teachers=6, n_students=7, student="operon", refine=20)
    assert est.seconds < 3600  # california at the paper's budget, distilled with refine 20
    with pytest.raises(SettingError, match=r"would take at least .* more than the 1 h allowed"):
        check_budget(_config(epochs=100_000), 16_512, 8, n_teachers=6)
    with pytest.raises(SettingError, match=r"operon student budget x refine 100"):
        check_budget(_config(operon_evaluations=10**8), 1000, 8, student="operon", refine=100)
