"""Civil status procedures (Personenstandswesen): the entries in the birth and marriage registers. The models, forms
and templates are the packages bpmn/geburt and bpmn/eheschliessung."""
