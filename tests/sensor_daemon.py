"""What the Dagster daemon does with sensor and schedule results, done in the test process:
partitions added, run keys deduplicated, runs launched (in process), the cursor carried on.
The sensors themselves run for real against the lake, the warehouse and moto."""

import logging

import dagster as dg


class Daemon:
    """Does with a sensor's results what the Dagster daemon does: adds the partitions,
    skips run keys it has seen, launches the runs (here in process) and keeps the cursor."""

    def __init__(self, defs: dg.Definitions, instance: dg.DagsterInstance) -> None:
        self.defs, self.instance = defs, instance
        self.cursor: str | None = None
        self.run_keys: list[str] = []
        self.runs: list[dg.ExecuteInProcessResult] = []
        self.log_handler: logging.Handler | None = None  # receives the ticks' log records

    def tick(self, sensor_name: str) -> list[dg.RunRequest]:
        sensor = self.defs.resolve_sensor_def(sensor_name)
        with dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, definitions=self.defs,
            resources=self.defs.resources,
        ) as context:  # fmt: skip
            if self.log_handler:
                context.log.addHandler(self.log_handler)
            result = sensor(context)
        assert isinstance(result, dg.SensorResult)
        self.cursor = result.cursor
        for request in result.dynamic_partitions_requests or []:
            assert isinstance(request, dg.AddDynamicPartitionsRequest)
            self.instance.add_dynamic_partitions(
                request.partitions_def_name, list(request.partition_keys)
            )
        requests = [r for r in result.run_requests or [] if r.run_key not in self.run_keys]
        self.run_keys += [r.run_key for r in requests if r.run_key]
        return requests

    def launch(self, requests: list[dg.RunRequest]) -> None:
        for request in requests:
            assert request.job_name and request.partition_key
            job = self.defs.resolve_job_def(request.job_name)
            self.runs.append(job.execute_in_process(
                instance=self.instance, partition_key=request.partition_key,
                tags=request.tags, raise_on_error=False,
            ))  # fmt: skip

    def sweep(self, schedule_name: str) -> list[dg.RunRequest]:
        """One evaluation of a schedule; its run requests."""
        schedule = self.defs.resolve_schedule_def(schedule_name)
        with dg.build_schedule_context(
            instance=self.instance, resources=self.defs.resources
        ) as context:
            result = schedule(context)
        assert isinstance(result, list)
        return result

    def run_finished(self, sensor_name: str, run_id: str) -> None:
        """Evaluate a run status sensor (success or failure) for a finished run."""
        run = self.instance.get_run_by_id(run_id)
        assert run is not None and run.is_finished
        event_type = (dg.DagsterEventType.RUN_SUCCESS if run.is_success
                      else dg.DagsterEventType.RUN_FAILURE)  # fmt: skip
        [record] = self.instance.get_records_for_run(run_id, of_type=event_type).records
        assert record.event_log_entry.dagster_event is not None
        sensor = self.defs.resolve_sensor_def(sensor_name)
        with dg.build_run_status_sensor_context(
            sensor_name=sensor_name, dagster_event=record.event_log_entry.dagster_event,
            dagster_instance=self.instance, dagster_run=run, resources=self.defs.resources,
        ) as context:  # fmt: skip
            sensor(context.for_run_failure() if not run.is_success else context)  # type: ignore[operator]
