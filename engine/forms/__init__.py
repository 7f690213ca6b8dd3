"""Forms of user tasks and start events: the form model, its two formats, and checking submitted data.

Modules: ``model`` (the form model), ``conditions`` and ``feel`` (visibility
conditions), ``json_schema`` and ``formjs`` (the two readers; ``formjs_properties`` for form-js's
``x-`` custom properties), ``links`` (forms
deployed with a model and linked from it), ``registry`` (where a task's form
comes from), ``applicable`` and ``to_schema`` (what applies, and the JSON Schema
that is checked), ``validation`` and ``messages`` (checking, German messages),
``labels`` (case data labels from forms).
"""

from engine.forms.labels import DataLabel, data_labels
from engine.forms.model import Field, Form, Option
from engine.forms.registry import FormRegistry, client_schema, form_of, forms_of_definition
from engine.forms.validation import Problem, check_submission, validate_task_data, validate_variables

__all__ = [
    "DataLabel", "Field", "Form", "FormRegistry", "Option", "Problem", "check_submission", "client_schema",
    "data_labels", "form_of", "forms_of_definition", "validate_task_data", "validate_variables",
]
