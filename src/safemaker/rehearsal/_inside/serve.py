"""Serves a model's inference handlers inside the sandbox, over stdin and the original stdout.

``python serve.py MODEL_DIR CODE_DIR ENTRY_POINT``. The handlers are those of
the SageMaker inference toolkit (``model_fn``, ``input_fn``, ``predict_fn``,
``output_fn`` or ``transform_fn``, each optionally taking a trailing
``context``); missing ones get the scikit-learn container's defaults
(sagemaker-scikit-learn-container ``serving.py``; decoding and encoding as
``sagemaker_inference.decoder`` / ``encoder``). Anything the code prints goes
to stderr (the log stream). Protocol: one JSON header line, then ``length``
bytes of body, each way; the first message out is ``{"ready": ...}``.
"""

import importlib.util
import inspect
import io
import json
import os
import sys
import traceback

JSON, CSV, NPY = "application/json", "text/csv", "application/x-npy"
UTF8_TYPES = (JSON, CSV)


class UnsupportedFormatError(Exception):
    status = 415


def _decode(data, content_type):
    import numpy as np

    if content_type == JSON:
        return np.array(json.loads(data))
    if content_type == CSV:
        return np.genfromtxt(io.StringIO(data), delimiter=",")
    if content_type == NPY:
        return np.load(io.BytesIO(data), allow_pickle=False)
    raise UnsupportedFormatError("Content type %s is not supported by this framework." % content_type)


def _encode(prediction, accept):
    import numpy as np

    if accept == JSON:
        return json.dumps(prediction.tolist() if hasattr(prediction, "tolist") else prediction)
    if accept == CSV:
        stream = io.StringIO()
        np.savetxt(stream, np.asarray(prediction), delimiter=",", fmt="%s")
        return stream.getvalue()
    if accept == NPY:
        stream = io.BytesIO()
        np.save(stream, np.asarray(prediction), allow_pickle=False)
        return stream.getvalue()
    raise UnsupportedFormatError("Accept type %s is not supported by this framework." % accept)


def default_model_fn(model_dir):
    raise NotImplementedError("no model_fn in the inference script: the scikit-learn container has no default "
                              "model_fn; define model_fn(model_dir)")


def default_input_fn(input_data, content_type):
    array = _decode(input_data, content_type)
    return array.astype("float32") if content_type in UTF8_TYPES else array


def default_predict_fn(input_data, model):
    return model.predict(input_data)


def default_output_fn(prediction, accept):
    return _encode(prediction, accept), accept


def _call(func, *args):
    """Call with ``context=None`` added when the handler takes one more positional argument."""
    try:
        params = [p for p in inspect.signature(func).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(params) > len(args):
            return func(*args, None)
    except (TypeError, ValueError):
        pass
    return func(*args)


def _send(out, header, body=b""):
    if isinstance(body, str):
        body = body.encode("utf-8")
    header["length"] = len(body)
    out.write(json.dumps(header).encode() + b"\n" + body)
    out.flush()


def main(argv):
    model_dir, code_dir, entry_point = argv[1], argv[2], argv[3]
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # the code's prints join the log stream
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer
    default_accept = os.environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", JSON)
    try:
        sys.path.insert(0, code_dir)
        name = os.path.splitext(os.path.basename(entry_point))[0]
        spec = importlib.util.spec_from_file_location(name, os.path.join(code_dir, entry_point))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        transform_fn = getattr(module, "transform_fn", None)
        handlers = {n: getattr(module, n, None) for n in ("input_fn", "predict_fn", "output_fn")}
        if transform_fn and any(handlers.values()):
            raise ValueError("Cannot use transform_fn implementation in conjunction with input_fn, predict_fn, "
                             "and/or output_fn implementation")
        model = _call(getattr(module, "model_fn", default_model_fn), model_dir)
    except BaseException:  # noqa: BLE001 - reported to the parent
        _send(out, {"ready": False, "error": traceback.format_exc()})
        return 1
    input_fn = handlers["input_fn"] or default_input_fn
    predict_fn = handlers["predict_fn"] or default_predict_fn
    output_fn = handlers["output_fn"] or default_output_fn
    _send(out, {"ready": True})
    while True:
        line = inp.readline()
        if not line:
            return 0
        request = json.loads(line)
        body = inp.read(request["length"])
        content_type = request.get("content_type") or JSON
        accept = request.get("accept") or default_accept
        if accept == "*/*":
            accept = default_accept
        data = body.decode("utf-8") if content_type in UTF8_TYPES else body
        try:
            if transform_fn:
                result = _call(transform_fn, model, data, content_type, accept)
            else:
                result = _call(output_fn, _call(predict_fn, _call(input_fn, data, content_type), model), accept)
            response_type = accept
            if isinstance(result, tuple):
                result, response_type = result[0], result[1]
            _send(out, {"status": 200, "content_type": response_type}, result)
        except Exception as exc:  # noqa: BLE001 - the toolkit answers 500 (415 for a format it cannot read)
            _send(out, {"status": getattr(exc, "status", 500), "content_type": "text/plain",
                        "error": traceback.format_exc()}, "%s: %s" % (type(exc).__name__, exc))


if __name__ == "__main__":
    status = main(sys.argv)
    # The server ends with its input: Python's final garbage collections would walk everything the model code
    # loaded (numpy, scikit-learn, the model: ~0.5 s of CPU for an iris LogisticRegression). Nothing of it is
    # needed after the last answer; at-exit handlers (the recorder's) run as before.
    import gc

    gc.freeze()
    sys.exit(status)
