"""Baselines trained on the truth: a decision tree, XGBoost and a linear model."""
from __future__ import annotations


from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data


from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeRegressor


class TreeStudent(RegressorMixin, BaseEstimator):
    """Decision tree with at most ``max_leaf_nodes`` leaves (paper Table 3: 32)."""

    def __init__(self, max_leaf_nodes=32, random_state=0):
        self.max_leaf_nodes = max_leaf_nodes
        self.random_state = random_state

    def fit(self, X, y):
        X, y = validate_data(self, X, y, y_numeric=True)
        self.tree_ = DecisionTreeRegressor(max_leaf_nodes=self.max_leaf_nodes,
                                           random_state=self.random_state).fit(X, y)
        self.n_leaves_ = int(self.tree_.get_n_leaves())
        return self

    def predict(self, X):
        check_is_fitted(self, "tree_")
        return self.tree_.predict(validate_data(self, X, reset=False))


def xgboost_baseline(random_state=0, n_jobs=1):
    """XGBoost with library defaults (the paper names no settings)."""
    from xgboost import XGBRegressor
    return XGBRegressor(random_state=random_state, n_jobs=n_jobs)


def linear_baseline():
    return LinearRegression()
