"""The run configuration is defined once: TrainConfig has one field per option of
train_flags.json, the parser's defaults are TrainConfig's, and the original scripts' spellings
parse to the same values."""
import argparse
from dataclasses import fields

from intersections_trainer.config import FLAGS, TrainConfig, add_train_args, config_from_args


def _parser():
    p = argparse.ArgumentParser()
    add_train_args(p)
    return p


def test_train_config_has_one_field_per_option():
    assert sorted(f.name for f in fields(TrainConfig)) == sorted(f["name"].replace("-", "_") for f in FLAGS)


def test_no_options_give_the_dataclass_defaults():
    assert config_from_args(_parser().parse_args([])) == TrainConfig()


def test_original_spellings_are_aliases():
    ours = _parser().parse_args(["--dataset-folder", "d", "--max-steps", "5", "--lora-alpha", "8", "--push-to-hub"])
    theirs = _parser().parse_args(["--dataset_folder=d", "--max_steps", "5", "--lora_alpha=8", "--push_to_hub"])
    assert vars(ours) == vars(theirs)
    assert config_from_args(theirs).max_steps == 5 and config_from_args(theirs).dataset_folder == "d"


def test_resume_publishes_only_when_this_command_line_says_so(tmp_path):
    """A shared run folder's config.json asking to push publicly is not obeyed on --resume."""
    import json
    from dataclasses import asdict

    from intersections_trainer.config import load_resume_config

    stored = {**asdict(TrainConfig()), "ckpt_id": "tiny", "dataset_folder": "ds", "output_dir": str(tmp_path),
              "max_steps": 10, "push_to_hub": True, "model_id": "someone/model", "private": False}
    (tmp_path / "config.json").write_text(json.dumps({**stored, "written_by": "intersections train"}))
    resumed = load_resume_config(TrainConfig(output_dir=str(tmp_path), resume=True))
    assert (resumed.push_to_hub, resumed.model_id, resumed.private) == (False, None, False)
    assert resumed.ckpt_id == "tiny" and resumed.max_steps == 10 and resumed.resume
    again = load_resume_config(TrainConfig(output_dir=str(tmp_path), resume=True, push_to_hub=True,
                                           model_id="me/model", private=True))
    assert (again.push_to_hub, again.model_id, again.private) == (True, "me/model", True)
