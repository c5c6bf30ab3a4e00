"""METIS missions: the model, the `.metis` loader and the mission-changing commands."""
