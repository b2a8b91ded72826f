"""The fleet example on a 2-worker Dask LocalCluster against a serial run.

200 small synthetic series; every model must come back from the cluster
with the same bytes as the same work done serially in this process, and the
backtest metrics must agree with an independent recomputation from the
returned model. Skipped when python3-distributed or numpy is missing.

  RNNLITE_LIBRARY=build/lib/librnnlite.so /usr/bin/python3 examples/fleet/test_fleet.py
"""
import csv
import os
import sys
import tempfile
import unittest

try:
    import numpy as np
    import distributed
except ImportError as e:
    raise unittest.SkipTest(f'{e.name} is not installed')

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402

N_SERIES = 200
CONFIG = {'epochs': 40}   # small: the point is identity, not accuracy


class Fleet(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.series = fleet.synthetic_series(N_SERIES, length=72, seed=11)
        cls.serial = fleet.run_serial(cls.series, CONFIG)
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        try:
            with distributed.Client(cluster) as client:
                cls.workers = len(client.scheduler_info()['workers'])
                cls.parallel = fleet.run_dask(cls.series, CONFIG, client)
        finally:
            cluster.close()

    def test_two_workers_ran_it(self):
        self.assertEqual(self.workers, 2)

    def test_every_model_has_the_same_bytes_as_the_serial_run(self):
        self.assertEqual([r[0] for r in self.parallel], sorted(self.series))
        self.assertEqual(len(self.parallel), N_SERIES)
        for (name_s, blob_s, met_s), (name_p, blob_p, met_p) in zip(self.serial, self.parallel):
            self.assertEqual(name_s, name_p)
            self.assertEqual(blob_s, blob_p, f'model of {name_s} differs')
            for k in ('final_loss', 'mae', 'rmse', 'naive_mae'):
                self.assertEqual(met_s[k], met_p[k], f'{k} of {name_s}')

    def test_metrics_recomputed_from_the_returned_model(self):
        rnnlite = fleet.rnnlite
        steps, horizon = fleet.DEFAULTS['steps'], fleet.DEFAULTS['horizon']
        for name, blob, metrics in self.parallel[:: N_SERIES // 5]:
            values = self.series[name].astype(np.float32)
            train, actual = values[:-horizon], values[-horizon:]
            with rnnlite.Model.load_buffer(blob) as m:
                scaler = m.get_scaler()
                hist = list(train)
                for _ in range(horizon):
                    w = scaler.transform(np.asarray(hist[-steps:], np.float32)[:, None])
                    hist.append(scaler.inverse_transform_column(0, m.predict(w[None])[:, 0])[0])
            mae = np.abs(np.asarray(hist[-horizon:], np.float64) - actual).mean()
            self.assertAlmostEqual(metrics['mae'], mae, places=4, msg=name)
            self.assertEqual(metrics['points'], 72)

    def test_outputs_one_file_per_series_and_a_summary_row_each(self):
        with tempfile.TemporaryDirectory() as out:
            fleet.write_outputs(self.parallel, out)
            files = sorted(os.listdir(os.path.join(out, 'models')))
            self.assertEqual(files, [f'{n}.rlm' for n in sorted(self.series)])
            with open(os.path.join(out, 'summary.csv')) as f:
                rows = list(csv.DictReader(f))
            self.assertEqual(len(rows), N_SERIES)
            for row, (name, blob, _) in zip(rows, self.parallel):
                with open(os.path.join(out, row['model']), 'rb') as m:
                    self.assertEqual(m.read(), blob)


if __name__ == '__main__':
    unittest.main()
