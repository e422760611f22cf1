// Model files written by LightGBM releases before 2.2.0. Those releases wrote no
// 'end of trees' line (the trees end at 'feature importances:') and, in 2.1.2, a
// 'parameters:' section with no 'end of parameters' line: it runs to the end of the file.
// LightGBM 4.x loads them (GBDT::LoadModelFromString, src/boosting/gbdt_model_text.cpp,
// reads parameters until 'end of parameters' or the end of the buffer, and never looks for
// 'end of trees'), so leafwise does too. A file that has 'end of trees' was written by
// 2.2.0 or later, which always closes its parameters: there an open section is a cut file.
//
// The Python package of those releases appended '\npandas_categorical:<json>\n' after the
// model text (basic.py, _save_pandas_categorical), so in a 2.1.2 file that line sits inside
// the open parameters section; the package reads it as the file's last line.

/**
 * True for the line that ends an open parameters section of a pre-2.2.0 file: the Python
 * package's `pandas_categorical:` line, in a file without 'end of trees'.
 */
export function isOpenParametersEnd(text: string, sawEndOfTrees: boolean): boolean {
  return !sawEndOfTrees && text.startsWith('pandas_categorical:')
}
