"""Data: the five benchmark data sets (checked downloads), the Feynman equations, your own tables, splits."""

from distillkit.datasets._loaders import list_datasets, load_dataset
from distillkit.datasets._registry import ChecksumError, DATASETS, DataError, DataUnavailableError, Dataset, NOISE_SCALES, data_dir, fetch_file, verify_files
from distillkit.datasets._split import Split, split_dataset
from distillkit.datasets._tables import IMPUTE, PreparedTable, TableWarning, from_csv, from_frame, prepare_table

__all__ = ['ChecksumError', 'DATASETS', 'DataError', 'DataUnavailableError', 'Dataset', 'IMPUTE', 'NOISE_SCALES', 'PreparedTable', 'Split', 'TableWarning', 'data_dir', 'fetch_file', 'from_csv', 'from_frame', 'list_datasets', 'load_dataset', 'prepare_table', 'split_dataset', 'verify_files']
