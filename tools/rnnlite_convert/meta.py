"""rnnlite's model-file metadata (scaler, targets, transforms, training
settings) inside another format's metadata: the sections go as base64 so
they come back byte for byte, with the scaler also spelled out as numbers
for readers that do not know rnnlite."""
import base64
import json

from . import rlm

KEY = 'rnnlite'


def to_json(meta):
    """A JSON-able dict, or None when there is nothing to carry."""
    if not meta:
        return None
    out = {'sections': [{'tag': t, 'flags': f, 'data': base64.b64encode(p).decode('ascii')}
                        for t, (f, p) in meta.items()]}
    scaler = rlm.scaler_description(meta)
    if scaler:
        out['scaler'] = scaler
    return out


def from_json(obj):
    if isinstance(obj, str):
        obj = json.loads(obj)
    if not obj:
        return {}
    return {s['tag']: (int(s['flags']), base64.b64decode(s['data']))
            for s in obj.get('sections', [])}
