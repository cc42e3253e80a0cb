"""The training contract of a rehearsal against the SageMaker training toolkit's documentation.

Expected names come from aws/sagemaker-training-toolkit (ENVIRONMENT_VARIABLES.md,
src/sagemaker_training/environment.py ``Environment.to_env_vars`` and its
properties, mapping.py) and the AWS developer guide's description of
resourceconfig.json / inputdataconfig.json, transcribed here, not derived from
safemaker's code.
"""

from __future__ import annotations

import json

from safemaker.rehearsal.contract import TrainingContract, to_cmd_args, to_env_vars

# ENVIRONMENT_VARIABLES.md, its table of contents (SM_CHANNEL_/SM_HP_ instantiated below)
DOCUMENTED = {
    "SM_MODEL_DIR", "SM_CHANNELS", "SM_HPS", "SM_CURRENT_HOST", "SM_HOSTS", "SM_NUM_GPUS", "SM_NUM_NEURONS",
    "SM_NUM_CPUS", "SM_LOG_LEVEL", "SM_NETWORK_INTERFACE_NAME", "SM_USER_ARGS", "SM_INPUT_DIR",
    "SM_INPUT_CONFIG_DIR", "SM_RESOURCE_CONFIG", "SM_INPUT_DATA_CONFIG", "SM_TRAINING_ENV",
}
# environment.py Environment.to_env_vars(): the keys of its dict, "SM_" + upper()
TO_ENV_VARS = {
    "SM_HOSTS", "SM_NETWORK_INTERFACE_NAME", "SM_HPS", "SM_USER_ENTRY_POINT", "SM_FRAMEWORK_PARAMS",
    "SM_RESOURCE_CONFIG", "SM_INPUT_DATA_CONFIG", "SM_OUTPUT_DATA_DIR", "SM_CHANNELS", "SM_CURRENT_HOST",
    "SM_CURRENT_INSTANCE_TYPE", "SM_CURRENT_INSTANCE_GROUP", "SM_CURRENT_INSTANCE_GROUP_HOSTS",
    "SM_INSTANCE_GROUPS", "SM_INSTANCE_GROUPS_DICT", "SM_DISTRIBUTION_INSTANCE_GROUPS", "SM_IS_HETERO",
    "SM_MODULE_NAME", "SM_LOG_LEVEL", "SM_FRAMEWORK_MODULE", "SM_INPUT_DIR", "SM_INPUT_CONFIG_DIR",
    "SM_OUTPUT_DIR", "SM_NUM_CPUS", "SM_NUM_GPUS", "SM_NUM_NEURONS", "SM_MODEL_DIR", "SM_MODULE_DIR",
    "SM_TRAINING_ENV", "SM_USER_ARGS", "SM_OUTPUT_INTERMEDIATE_DIR",
}
# environment.py: every @property of Environment (SM_TRAINING_ENV is dict(Environment()))
TRAINING_ENV_KEYS = {
    "current_instance_type", "is_hetero", "current_instance_group", "instance_groups", "instance_groups_dict",
    "current_instance_group_hosts", "distribution_hosts", "distribution_instance_groups", "master_hostname",
    "model_dir", "current_host", "num_gpus", "num_neurons", "num_cpus", "module_name", "module_dir", "log_level",
    "user_entry_point", "is_master", "job_name", "additional_framework_parameters", "hosts", "channel_input_dirs",
    "network_interface_name", "input_dir", "input_config_dir", "output_dir", "hyperparameters", "resource_config",
    "input_data_config", "output_data_dir", "output_intermediate_dir", "framework_module",
    "is_modelparallel_enabled", "is_smddpmprun_installed", "is_smddprun_installed", "topology",
}
CHANNEL = {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}


def _contract(tmp_path):
    c = TrainingContract(tmp_path / "opt" / "ml", "train.py", "job-1",
                         {"batch-size": "256", "learning-rate": "0.0001", "communicator": "pure_nccl"},
                         {"training": CHANNEL, "testing": dict(CHANNEL, ContentType="text/csv")},
                         "ml.c5.xlarge", "eu-west-1")
    c.create()
    return c


def test_every_documented_variable_is_set(tmp_path):
    env = _contract(tmp_path).environment()
    expected = DOCUMENTED | TO_ENV_VARS | {"SM_CHANNEL_TRAINING", "SM_CHANNEL_TESTING", "SM_HP_BATCH-SIZE",
                                           "SM_HP_LEARNING-RATE", "SM_HP_COMMUNICATOR"}
    assert expected <= set(env)
    assert {k for k in env if k.startswith("SM_")} == expected


def test_variable_values_follow_the_toolkit(tmp_path):
    c = _contract(tmp_path)
    env = c.environment()
    base = tmp_path / "opt" / "ml"
    # ENVIRONMENT_VARIABLES.md examples, with /opt/ml mapped to the temporary base
    assert env["SM_MODEL_DIR"] == f"{base}/model"
    assert env["SM_CHANNELS"] == '["testing","training"]'
    assert env["SM_CHANNEL_TRAINING"] == f"{base}/input/data/training"
    assert env["SM_CHANNEL_TESTING"] == f"{base}/input/data/testing"
    assert json.loads(env["SM_HPS"]) == {"batch-size": 256, "learning-rate": 0.0001, "communicator": "pure_nccl"}
    assert env["SM_HP_LEARNING-RATE"] == "0.0001" and env["SM_HP_BATCH-SIZE"] == "256"
    assert env["SM_HP_COMMUNICATOR"] == "pure_nccl"
    assert env["SM_CURRENT_HOST"] == "algo-1" and env["SM_HOSTS"] == '["algo-1"]'
    assert env["SM_NUM_GPUS"] == "0" and int(env["SM_NUM_CPUS"]) >= 1
    assert env["SM_LOG_LEVEL"] == "20"
    assert json.loads(env["SM_USER_ARGS"]) == ["--batch-size", "256", "--communicator", "pure_nccl",
                                               "--learning-rate", "0.0001"]
    assert env["SM_INPUT_DIR"] == f"{base}/input" and env["SM_INPUT_CONFIG_DIR"] == f"{base}/input/config"
    assert env["SM_OUTPUT_DIR"] == f"{base}/output" and env["SM_OUTPUT_DATA_DIR"] == f"{base}/output/data"
    assert env["SM_OUTPUT_INTERMEDIATE_DIR"] == f"{base}/output/intermediate"
    assert env["SM_MODULE_NAME"] == "train" and env["SM_USER_ENTRY_POINT"] == "train.py"
    assert env["SM_MODULE_DIR"] == f"{base}/code"
    assert json.loads(env["SM_INPUT_DATA_CONFIG"])["testing"]["ContentType"] == "text/csv"
    assert json.loads(env["SM_RESOURCE_CONFIG"])["current_host"] == "algo-1"
    # sagemaker_* hyperparameters are the toolkit's, not the script's
    assert not any("sagemaker" in k for k in json.loads(env["SM_HPS"]))
    assert json.loads(env["SM_FRAMEWORK_PARAMS"]) == {}
    training_env = json.loads(env["SM_TRAINING_ENV"])
    assert set(training_env) == TRAINING_ENV_KEYS
    assert training_env["job_name"] == "job-1"
    assert training_env["channel_input_dirs"] == {"training": f"{base}/input/data/training",
                                                  "testing": f"{base}/input/data/testing"}
    assert env["SAGEMAKER_BASE_DIR"] == str(base) and env["TRAINING_JOB_NAME"] == "job-1"


def test_config_files_and_directories(tmp_path):
    c = _contract(tmp_path)
    config = tmp_path / "opt" / "ml" / "input" / "config"
    hps = json.loads((config / "hyperparameters.json").read_text())
    # CreateTrainingJob HyperParameters: a map of strings
    assert all(isinstance(v, str) for v in hps.values())
    assert hps["learning-rate"] == "0.0001" and hps["sagemaker_program"] == '"train.py"'
    resource = json.loads((config / "resourceconfig.json").read_text())
    # AWS developer guide, "Distributed Training Configuration" / heterogeneous clusters
    assert resource == {"current_host": "algo-1", "current_instance_type": "ml.c5.xlarge",
                        "current_group_name": "homogeneousCluster", "hosts": ["algo-1"],
                        "instance_groups": [{"instance_group_name": "homogeneousCluster",
                                             "instance_type": "ml.c5.xlarge", "hosts": ["algo-1"]}],
                        "network_interface_name": "eth0"}
    data_config = json.loads((config / "inputdataconfig.json").read_text())
    assert data_config["training"] == CHANNEL
    for d in ("model", "code", "output/data", "output/intermediate", "input/data/training", "input/data/testing"):
        assert (tmp_path / "opt" / "ml" / d).is_dir(), d
    assert c.failure_file == tmp_path / "opt" / "ml" / "output" / "failure"


def test_cmd_args_and_env_var_encoding_as_the_toolkit_mapping():
    # mapping.to_cmd_args: sorted keys, "--name", one letter "-n", dict values "k=v,k2=v2"
    assert to_cmd_args({"model_dir": "/opt/ml/model", "batch_size": 25}) == [
        "--batch_size", "25", "--model_dir", "/opt/ml/model"]
    assert to_cmd_args({"k": 1, "opts": {"b": 2, "a": 1}}) == ["-k", "1", "--opts", "a=1,b=2"]
    assert to_cmd_args({"flag": True, "none": None}) == ["--flag", "True", "--none", ""]
    # mapping.to_env_vars: SM_ + upper, strings as is, others compact sorted JSON
    assert to_env_vars({"model_dir": "/opt/ml/model", "hps": {"b": 1, "a": [1, 2]}, "n": 3}) == {
        "SM_MODEL_DIR": "/opt/ml/model", "SM_HPS": '{"a":[1,2],"b":1}', "SM_N": "3"}
