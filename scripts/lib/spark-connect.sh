# Sourced by scripts/test.sh: starts one Spark Connect server for the whole test run, from
# the jars of the pyspark in the virtual environment (Java from Debian), and stops it again.
# In-memory catalog, Parquet tables in a temporary folder, times in UTC, two local cores.

start_spark_connect() {
  local venv
  venv=$(cd "$1" && pwd)
  local pyspark
  pyspark=$("$venv/bin/python3" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
  local jar
  jar=$(ls "$pyspark"/jars/spark-connect_*.jar | head -n 1)
  SPARK_CONNECT_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  spark_dir=$(mktemp -d /tmp/idhealth-spark.XXXXXX)
  (cd "$spark_dir" && SPARK_HOME="$pyspark" "$venv/bin/spark-submit" \
      --class org.apache.spark.sql.connect.service.SparkConnectServer --master 'local[2]' \
      --driver-memory 2g \
      --conf spark.connect.grpc.binding.address=127.0.0.1 \
      --conf spark.connect.grpc.binding.port="$SPARK_CONNECT_PORT" \
      --conf spark.sql.session.timeZone=UTC --conf spark.ui.enabled=false \
      --conf spark.sql.shuffle.partitions=2 --conf spark.sql.warehouse.dir="$spark_dir/warehouse" \
      --driver-java-options "-Duser.timezone=UTC -Dderby.system.home=$spark_dir" \
      "$jar" >"$spark_dir/server.log" 2>&1) &
  spark_pid=$!
  until grep -q "Spark Connect server started" "$spark_dir/server.log" 2>/dev/null; do
    kill -0 "$spark_pid" 2>/dev/null || { tail -n 40 "$spark_dir/server.log" >&2; log "the Spark Connect server did not start"; exit 1; }
    sleep 0.5
  done
  log "Spark Connect server on 127.0.0.1:$SPARK_CONNECT_PORT (pyspark's jars)"
}

stop_spark_connect() {
  if [ -n "${spark_pid:-}" ]; then
    pkill -P "$spark_pid" 2>/dev/null || true
    kill "$spark_pid" 2>/dev/null || true
    pkill -f "spark.connect.grpc.binding.port=$SPARK_CONNECT_PORT" 2>/dev/null || true
  fi
  [ -n "${spark_dir:-}" ] && rm -rf "$spark_dir"
}
