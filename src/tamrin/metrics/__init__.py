"""tamrin.metrics: classification, threshold-sweep and regression metrics with
scikit-learn's names, definitions and edge cases."""

from tamrin.metrics._checks import UndefinedMetricWarning
from tamrin.metrics.classification import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    fbeta_score,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)
from tamrin.metrics.curves import auc, precision_recall_curve, roc_auc_score, roc_curve
from tamrin.metrics.regression import mean_absolute_error, mean_squared_error, r2_score
from tamrin.metrics.report import classification_report
