"""Building permit procedure (Baugenehmigungsverfahren): the XBau mapping of the intake. The model, forms and
templates are the package bpmn/baugenehmigung."""
